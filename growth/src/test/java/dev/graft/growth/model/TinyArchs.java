package dev.graft.growth.model;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.Norm;
import dev.graft.growth.arch.NormPlacement;
import dev.graft.growth.tensor.DType;

import java.util.Map;

/** Small architectures for tests. */
public final class TinyArchs {

    private TinyArchs() {}

    public static ArchSpec gpt2(int vocab, int hidden, int layers, int heads) {
        return new ArchSpec(
                Family.GPT2,
                vocab,
                hidden,
                layers,
                heads,
                heads,
                hidden / heads,
                4 * hidden,
                16,
                Norm.LAYERNORM,
                1e-5,
                NormPlacement.PRE,
                "gelu_new",
                true,
                0,
                null,
                DType.F32,
                Map.of());
    }

    public static ArchSpec llama(int vocab, int hidden, int layers, int heads, int kvHeads) {
        return new ArchSpec(
                Family.LLAMA,
                vocab,
                hidden,
                layers,
                heads,
                kvHeads,
                hidden / heads,
                2 * hidden,
                64,
                Norm.RMSNORM,
                1e-6,
                NormPlacement.PRE,
                "silu",
                false,
                0,
                10000.0,
                DType.F32,
                Map.of());
    }

    public static ArchSpec bert(int vocab, int hidden, int layers, int heads) {
        return new ArchSpec(
                Family.BERT,
                vocab,
                hidden,
                layers,
                heads,
                heads,
                hidden / heads,
                2 * hidden,
                16,
                Norm.LAYERNORM,
                1e-12,
                NormPlacement.POST,
                "gelu",
                true,
                0,
                null,
                DType.F32,
                Map.of("type_vocab_size", "2"));
    }
}
