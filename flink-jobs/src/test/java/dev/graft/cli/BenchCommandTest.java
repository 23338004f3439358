package dev.graft.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A tiny run of {@code bench io}; the ≥ 1 GB figures are in docs/benchmarks.md. */
class BenchCommandTest {

    @TempDir Path dir;

    @Test
    void benchIoPrintsRatesBesideThePlainCopy() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setOut(new PrintWriter(out));
        int exit =
                cli.execute(
                        "io",
                        "--size-mb",
                        "4",
                        "--tensor-mb",
                        "1",
                        "--dtype",
                        "BF16",
                        "--shard-mb",
                        "2",
                        "--repeat",
                        "1",
                        "--dir",
                        dir.toString());
        assertThat(exit).isZero();
        assertThat(out.toString())
                .contains("bench io: 4,19")
                .contains("plain copy, FileChannel.transferTo")
                .contains("SIMD kernels: on")
                .contains("in memory: BF16 → float[]")
                .contains("transform pass: readFloats → writeFloats")
                .contains("copy pass: copyRaw (file to file)")
                .contains("× copy")
                .contains("MB/s CPU")
                .contains("heap: peak");
    }

    @Test
    void benchShrinkTimesImportancePlanAndWritePerOperator() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setOut(new PrintWriter(out));
        int exit =
                cli.execute(
                        "shrink",
                        "--hidden",
                        "64",
                        "--layers",
                        "4",
                        "--heads",
                        "4",
                        "--vocab",
                        "256",
                        "--to",
                        "hidden=32,heads=2,ffn=128,layers=2",
                        "--calibration-sequences",
                        "2",
                        "--calibration-tokens",
                        "16",
                        "--dir",
                        dir.toString());
        assertThat(exit).isZero();
        assertThat(out.toString())
                .contains("bench shrink: gpt2 n_embd=64 n_layer=4 vocab=256")
                .contains("subclone")
                .contains("(calibration forward passes)")
                .contains("magnitude")
                .contains("(weight norms)")
                .contains("select")
                .contains("heap: peak");
        // Every operator wrote the same target shape (hidden 32, ffn 128, 2 layers, tied head):
        // the same tensor bytes plus a safetensors header.
        long tensorBytes = 4L * (256 * 32 + 1024 * 32 + 2 * (12 * 32 * 32 + 13 * 32) + 2 * 32);
        java.util.List<Long> written =
                java.util.regex.Pattern.compile("write ([0-9,]+) bytes")
                        .matcher(out.toString())
                        .results()
                        .map(m -> Long.parseLong(m.group(1).replace(",", "")))
                        .toList();
        assertThat(written).hasSize(3).containsOnly(written.get(0));
        assertThat(written.get(0)).isBetween(tensorBytes, tensorBytes + 8_192);
    }
}
