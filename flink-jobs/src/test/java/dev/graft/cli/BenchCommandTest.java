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
}
