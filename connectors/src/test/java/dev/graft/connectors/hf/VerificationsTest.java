package dev.graft.connectors.hf;

import dev.graft.growth.verify.Claim;
import dev.graft.growth.verify.Verification;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class VerificationsTest {

    @Test
    void roundTripsThroughTheContract() {
        Verification v =
                new Verification(
                        Verification.Method.LOGITS,
                        4,
                        32,
                        "F32",
                        2e-6,
                        1e-7,
                        8.5,
                        2e-6 / 8.5,
                        1e-4,
                        true,
                        true,
                        "mean |Δ| 1e-07");
        dev.graft.schema.Verification avro = Verifications.toAvro(v);
        assertThat(avro.getMethod()).isEqualTo("logits");
        assertThat(avro.getRelativeDelta()).isEqualTo(2e-6 / 8.5);
        assertThat(avro.getTolerance()).isEqualTo(1e-4);
        Verification back = Verifications.fromAvro(avro);
        assertThat(back.meanAbsDelta()).isNaN();
        assertThat(
                        new Verification(
                                back.method(),
                                back.probeSequences(),
                                back.probeTokens(),
                                back.computeDtype(),
                                back.maxAbsDelta(),
                                v.meanAbsDelta(),
                                back.logitScale(),
                                back.relativeDelta(),
                                back.tolerance(),
                                back.lossless(),
                                back.passed(),
                                back.notes()))
                .isEqualTo(v);
    }

    @Test
    void aSkippedCheckTravelsAsNone() {
        Verification skipped =
                Verification.skipped(4, 32, Claim.approximate(), "hidden sizes differ");
        dev.graft.schema.Verification avro = Verifications.toAvro(skipped);
        assertThat(avro.getMethod()).isEqualTo("none");
        assertThat(avro.getMaxAbsDelta()).isZero();
        assertThat(avro.getTolerance()).isNull();
        assertThat(avro.getPassed()).isFalse();
        Verification back = Verifications.fromAvro(avro);
        assertThat(back.method()).isEqualTo(Verification.Method.NONE);
        assertThat(back.maxAbsDelta()).isNaN();
        assertThat(back.notes()).isEqualTo("hidden sizes differ");
    }
}
