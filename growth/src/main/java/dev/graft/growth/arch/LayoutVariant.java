package dev.graft.growth.arch;

/**
 * The naming choices a family's checkpoints vary in, beyond the architecture itself.
 *
 * @param prefix the module prefix of the base model's tensors: {@code ""} or {@code "transformer."}
 *     (gpt2), {@code "model."} or {@code ""} (llama-like), {@code "bert."} or {@code ""} (bert),
 *     {@code "albert."} or {@code ""} (albert)
 * @param legacyNormNames BERT's TensorFlow-era {@code LayerNorm.gamma}/{@code beta} instead of
 *     {@code weight}/{@code bias}
 * @param pooler BERT's pooler ({@code pooler.dense}); ALBERT's ({@code pooler})
 * @param mlmHead BERT's masked-language-model head ({@code cls.predictions.*}); ALBERT's ({@code
 *     predictions.*})
 * @param nspHead BERT's next-sentence head ({@code cls.seq_relationship}); ALBERT's sentence-order
 *     head ({@code sop_classifier.classifier})
 */
public record LayoutVariant(
        String prefix, boolean legacyNormNames, boolean pooler, boolean mlmHead, boolean nspHead) {

    /** The names the Hugging Face Hub files of the family use (gpt2: bare; llama: model.). */
    public static LayoutVariant hubDefault(Family family) {
        return switch (family) {
            case GPT2 -> new LayoutVariant("", false, false, false, false);
            case LLAMA, MISTRAL, QWEN2 -> new LayoutVariant("model.", false, false, false, false);
            case BERT -> new LayoutVariant("bert.", false, true, false, false);
            case ALBERT -> new LayoutVariant("albert.", false, true, true, false);
        };
    }
}
