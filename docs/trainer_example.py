"""A PyTorch trainer that lets Graft grow its model: the whole protocol, minimal.

    pip install torch transformers safetensors confluent-kafka fastavro

1. Every evaluation: a TrainingMetric on graft.metrics (JSON; keyed by run id).
2. Every save: save_pretrained(..., safe_serialization=True), then a CheckpointSaved on
   graft.checkpoints.saved naming the directory (the weights never travel on Kafka).
3. Between steps: poll graft.checkpoints.published (read_committed) for this run. On PUBLISHED,
   load the new directory with from_pretrained, rebuild the optimizer, apply the recommended
   schedule and continue with generation = the record's generation. On FAILED, log and go on.

Graft writes Avro single-object encoding (2 marker bytes, 8-byte schema fingerprint, Avro binary);
the self-contained schemas ship in schemas/src/main/resources/graft/released/<version>/.
"""
import io
import json
import time

import fastavro
import torch
from confluent_kafka import Consumer, Producer
from transformers import AutoModelForCausalLM

RUN = "gpt2-small-run-7"
BOOTSTRAP = "localhost:9092"
CKPT_ROOT = "/mnt/checkpoints"
PUBLISHED_SCHEMA = fastavro.parse_schema(
    json.load(open("schemas/src/main/resources/graft/released/0.1.0/CheckpointPublished.avsc")))

producer = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True})
consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"trainer-{RUN}",
                     "isolation.level": "read_committed", "auto.offset.reset": "earliest"})
consumer.subscribe(["graft.checkpoints.published"])


def send(topic, record):
    producer.produce(topic, key=RUN.encode(), value=json.dumps(record).encode())
    producer.poll(0)


def decode_published(value: bytes) -> dict:
    if value[:2] != b"\xc3\x01":  # Avro single-object marker
        raise ValueError("not an Avro single-object record")
    return fastavro.schemaless_reader(io.BytesIO(value[10:]), PUBLISHED_SCHEMA)


def make_optimizer(model, lr):
    return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1)


def batches():
    """Stand-in for your data loader: random tokens, so the script runs as it is."""
    while True:
        yield {"input_ids": torch.randint(0, model.config.vocab_size, (8, 128))}


model = AutoModelForCausalLM.from_pretrained(f"{CKPT_ROOT}/{RUN}/init")
lr, generation, step = 6e-4, 0, 0
optimizer = make_optimizer(model, lr)

for batch in batches():
    loss = model(**batch, labels=batch["input_ids"]).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    step += 1

    if step % 100 == 0:
        send("graft.metrics", {"run_id": RUN, "generation": generation, "step": step,
                               "wall_time_ms": int(time.time() * 1000),
                               "metrics": {"loss": loss.item(), "lr": lr}})
    if step % 1000 == 0:
        out = f"{CKPT_ROOT}/{RUN}/g{generation}-s{step}"
        model.save_pretrained(out, safe_serialization=True)
        send("graft.checkpoints.saved", {
            "run_id": RUN, "wall_time_ms": int(time.time() * 1000),
            "checkpoint": {"uri": f"file://{out}", "generation": generation, "step": step},
            "training_state": {"lr": str(lr)}})
        producer.flush()

    message = consumer.poll(0)
    if message is not None and message.error() is None and message.key() == RUN.encode():
        published = decode_published(message.value())
        if published["status"] != "PUBLISHED":
            print("Graft could not carry out", published["decision_id"], published["error"])
            continue
        uri = published["checkpoint"]["uri"]
        model = AutoModelForCausalLM.from_pretrained(uri.removeprefix("file://"))
        schedule = published.get("schedule")
        if schedule:  # LEMON: keep the peak learning rate, decay faster
            lr = schedule["peak_lr"]
        optimizer = make_optimizer(model, lr)
        generation = published["generation"]  # steps may now rewind; generation says so
        step = published["checkpoint"]["step"]
        print(f"grown by {published['operator']}: now generation {generation}, "
              f"{published['target_arch']['parameter_count']:,} parameters, "
              f"max |Δlogit| {published['verification']['max_abs_delta']:.2e}")
