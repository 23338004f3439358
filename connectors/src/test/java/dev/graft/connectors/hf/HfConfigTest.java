package dev.graft.connectors.hf;

import dev.graft.connectors.safetensors.CheckpointFormatException;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.LayoutVariant;
import dev.graft.growth.arch.TensorLayout;
import dev.graft.growth.tensor.DType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HfConfigTest {

    @TempDir Path dir;

    static ObjectNode json(String text) throws IOException {
        return (ObjectNode) HfConfig.JSON.readTree(text);
    }

    @Test
    void gpt2HubConfigWithDefaults() throws IOException {
        ArchSpec a =
                HfConfig.fromJson(
                        json(
                                """
                {"model_type": "gpt2", "vocab_size": 50257, "n_embd": 768, "n_head": 12, "n_layer": 12,
                 "n_positions": 1024, "n_inner": null, "activation_function": "gelu_new",
                 "layer_norm_epsilon": 1e-05}
                """),
                        "gpt2/config.json");
        assertThat(a.family()).isEqualTo(Family.GPT2);
        assertThat(a.intermediateSize()).isEqualTo(3072);
        assertThat(a.headDim()).isEqualTo(64);
        assertThat(a.tieWordEmbeddings()).isTrue();
        assertThat(a.dtype()).isEqualTo(DType.F32);
        assertThat(TensorLayout.parameterCount(a)).isEqualTo(124_439_808L);
    }

    @Test
    void llama32ConfigWithGqaRopeAndTiedHead() throws IOException {
        ArchSpec a =
                HfConfig.fromJson(
                        json(
                                """
                {"model_type": "llama", "vocab_size": 128256, "hidden_size": 2048, "intermediate_size": 8192,
                 "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 64,
                 "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
                 "rope_scaling": {"factor": 32.0, "rope_type": "llama3"}, "tie_word_embeddings": true,
                 "torch_dtype": "bfloat16", "hidden_act": "silu"}
                """),
                        "llama/config.json");
        assertThat(a.numKvHeads()).isEqualTo(8);
        assertThat(a.ropeTheta()).isEqualTo(500000.0);
        assertThat(a.dtype()).isEqualTo(DType.BF16);
        assertThat(a.extra())
                .containsEntry("rope_scaling", "{\"factor\":32.0,\"rope_type\":\"llama3\"}");
        assertThat(TensorLayout.parameterCount(a)).isEqualTo(1_235_814_400L);
        ObjectNode back = HfConfig.toJson(a, json("{\"bos_token_id\": 128000}"));
        assertThat(back.get("bos_token_id").intValue()).isEqualTo(128000);
        assertThat(back.get("rope_scaling").get("rope_type").textValue()).isEqualTo("llama3");
        assertThat(HfConfig.fromJson(back, "back")).isEqualTo(a);
    }

    @Test
    void mistralQwen2AndBertRoundTrip() throws IOException {
        for (String config :
                new String[] {
                    """
                {"model_type": "mistral", "vocab_size": 32000, "hidden_size": 64, "intermediate_size": 128,
                 "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2,
                 "sliding_window": 4096, "rope_theta": 10000.0}
                """,
                    """
                {"model_type": "qwen2", "vocab_size": 1000, "hidden_size": 64, "intermediate_size": 128,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                 "tie_word_embeddings": true, "use_sliding_window": false}
                """,
                    """
                {"model_type": "bert", "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12,
                 "num_attention_heads": 12, "intermediate_size": 3072, "type_vocab_size": 2}
                """
                }) {
            ArchSpec a = HfConfig.fromJson(json(config), "config.json");
            assertThat(HfConfig.fromJson(HfConfig.toJson(a, json("{}")), "again")).isEqualTo(a);
            assertThat(ArchSpecs.fromAvro(ArchSpecs.toAvro(a))).isEqualTo(a);
        }
        ArchSpec bert = HfConfig.fromJson(json("{\"model_type\": \"bert\"}"), "bert");
        assertThat(ArchSpecs.toAvro(bert).getParameterCount()).isEqualTo(109_482_240L);
        assertThat(ArchSpecs.toAvro(bert).getNormPlacement()).isEqualTo("post");
    }

    @Test
    void albertBaseV2HasItsPublishedParameterCount() throws Exception {
        // albert-base-v2's config.json (the fields that differ from AlbertConfig's defaults).
        ArchSpec albert =
                HfConfig.fromJson(
                        json(
                                "{\"model_type\": \"albert\", \"hidden_size\": 768,"
                                        + " \"num_attention_heads\": 12, \"intermediate_size\": 3072,"
                                        + " \"embedding_size\": 128, \"num_hidden_groups\": 1}"),
                        "albert");
        assertThat(albert.numLayerGroups()).isEqualTo(1);
        assertThat(albert.activation()).isEqualTo("gelu_new");
        // AlbertModel (embeddings, projection, one shared layer, pooler): 11,683,584 parameters.
        assertThat(
                        TensorLayout.parameterCount(
                                TensorLayout.expected(
                                        albert,
                                        new LayoutVariant("albert.", false, true, false, false))))
                .isEqualTo(11_683_584L);
        assertThat(HfConfig.fromJson(HfConfig.toJson(albert, json("{}")), "again"))
                .isEqualTo(albert);
        assertThat(ArchSpecs.fromAvro(ArchSpecs.toAvro(albert))).isEqualTo(albert);
    }

    @Test
    void errorsNameTheFieldAndWhatWasExpected() {
        assertThatThrownBy(() -> HfConfig.fromJson(json("{\"model_type\": \"t5\"}"), "c.json"))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessage(
                        "c.json: model_type 't5' is not a family Graft knows; expected one of gpt2, llama,"
                                + " mistral, qwen2, bert, albert");
        assertThatThrownBy(
                        () ->
                                HfConfig.fromJson(
                                        json("{\"model_type\": \"llama\", \"hidden_size\": 64}"),
                                        "c.json"))
                .hasMessageContaining("config has no num_attention_heads");
        assertThatThrownBy(
                        () ->
                                HfConfig.fromJson(
                                        json("{\"model_type\": \"gpt2\", \"n_embd\": \"big\"}"),
                                        "c.json"))
                .hasMessageContaining("n_embd is \"big\"; expected an integer");
        assertThatThrownBy(
                        () ->
                                HfConfig.fromJson(
                                        json(
                                                "{\"model_type\": \"llama\", \"vocab_size\": 10,"
                                                        + " \"hidden_size\": 64, \"intermediate_size\": 8, \"num_hidden_layers\": 1,"
                                                        + " \"num_attention_heads\": 4, \"num_key_value_heads\": 3}"),
                                        "c.json"))
                .hasMessageContaining("num_kv_heads is 3; expected a divisor of num_heads = 4");
    }

    @Test
    void checkpointWithMissingTensorsListsThem() throws IOException {
        TinyCheckpoints.write(dir, TinyCheckpoints.gpt2Config(), DType.F32, Long.MAX_VALUE);
        try (HfCheckpoint ok = HfCheckpoint.open(dir)) {
            ok.requireComplete();
            assertThat(ok.layout().parameterCount())
                    .isEqualTo(TensorLayout.parameterCount(ok.arch()));
        }
        Files.writeString(
                dir.resolve("config.json"),
                TinyCheckpoints.gpt2Config().replace("\"n_layer\": 2", "\"n_layer\": 3"));
        try (HfCheckpoint wrong = HfCheckpoint.open(dir)) {
            assertThatThrownBy(wrong::requireComplete)
                    .hasMessageContaining(
                            "gpt2 checkpoint does not match its config.json: 12 missing tensor(s): h.2.ln_1.weight[8]")
                    .hasMessageContaining("h.2.mlp.c_proj.bias[8]");
        }
    }

    @Test
    void transformerPrefixedGpt2AndLegacyBertAreRecognised() throws IOException {
        Path gpt2 =
                TinyCheckpoints.write(
                        dir.resolve("gpt2"),
                        TinyCheckpoints.gpt2Config(),
                        DType.BF16,
                        200,
                        1,
                        new LayoutVariant("transformer.", false, false, false, false));
        try (HfCheckpoint c = HfCheckpoint.open(gpt2)) {
            c.requireComplete();
            assertThat(c.layout().variant().prefix()).isEqualTo("transformer.");
            assertThat(c.tensors().files().size()).isGreaterThan(2);
        }
        Path bert =
                TinyCheckpoints.write(
                        dir.resolve("bert"),
                        """
                {"model_type": "bert", "vocab_size": 20, "hidden_size": 8, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 12}
                """,
                        DType.F16,
                        Long.MAX_VALUE,
                        1,
                        new LayoutVariant("bert.", true, true, true, true));
        try (HfCheckpoint c = HfCheckpoint.open(bert)) {
            c.requireComplete();
            assertThat(c.layout().variant())
                    .isEqualTo(new LayoutVariant("bert.", true, true, true, true));
            assertThat(c.tensors().find("bert.embeddings.LayerNorm.gamma")).isPresent();
        }
        try (var s = SafetensorsCheckpoint.open(bert)) {
            assertThat(Family.detect(s.tensorsByName().keySet())).contains(Family.BERT);
        }
    }
}
