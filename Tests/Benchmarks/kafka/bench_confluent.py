"""Baseline for newsflash-bench: the same produce and consume runs with Python's
confluent-kafka (librdkafka 2.16) against the same broker.

usage: bench_confluent.py [--bootstrap H:P] [--messages N] [--size B] [--partitions P] [--runs R]
"""
import argparse
import statistics
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic


def produce(bootstrap, topic, count, size, timeout):
    producer = Producer({
        "bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
        "linger.ms": 5, "compression.codec": "none", "queue.buffering.max.messages": 500000,
        "batch.num.messages": 10000,
    })
    payload = b"x" * size
    delivered = [0]
    failed = []

    def on_delivery(err, _msg):
        if err is not None:
            failed.append(err)
        delivered[0] += 1

    start = time.perf_counter()
    deadline = start + timeout
    sent = 0
    while sent < count:
        try:
            producer.produce(topic, payload, on_delivery=on_delivery)
            sent += 1
        except BufferError:
            producer.poll(0.0002)
            if time.perf_counter() > deadline:
                raise SystemExit("produce timed out")
        if sent % 1000 == 0:
            producer.poll(0)
    while delivered[0] < count:
        producer.poll(0.1)
        if time.perf_counter() > deadline:
            raise SystemExit("delivery timed out")
    elapsed = time.perf_counter() - start
    if failed:
        raise SystemExit(f"{len(failed)} deliveries failed: {failed[0]}")
    return count / elapsed


def consume(bootstrap, topic, partitions, count, size, timeout):
    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": f"bench-{topic}", "enable.auto.commit": False,
        "enable.auto.offset.store": False,
    })
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    start = time.perf_counter()
    deadline = start + timeout
    received = 0
    nbytes = 0
    while received < count:
        for message in consumer.consume(num_messages=1000, timeout=1.0):
            if message.error():
                continue
            received += 1
            nbytes += len(message.value())
        if time.perf_counter() > deadline:
            raise SystemExit(f"consume timed out after {received}")
    elapsed = time.perf_counter() - start
    consumer.close()
    if nbytes != count * size:
        raise SystemExit(f"read {nbytes} bytes, expected {count * size}")
    return received / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=120)
    args = parser.parse_args()
    if not (0 < args.messages <= 5_000_000 and 0 < args.runs <= 20):
        raise SystemExit("messages must be 1...5000000, runs 1...20")
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    import confluent_kafka
    print(f"confluent-kafka {confluent_kafka.__version__} / librdkafka {confluent_kafka.libversion()[0]}, "
          f"{args.messages} messages x {args.size} B, {args.partitions} partitions, broker {args.bootstrap}")
    produce_rates, consume_rates = [], []
    for run in range(1, args.runs + 1):
        topic = f"bench-python-{uuid.uuid4().hex[:8]}"
        admin.create_topics([NewTopic(topic, num_partitions=args.partitions)])[topic].result(30)
        p = produce(args.bootstrap, topic, args.messages, args.size, args.timeout)
        c = consume(args.bootstrap, topic, args.partitions, args.messages, args.size, args.timeout)
        admin.delete_topics([topic])[topic].result(30)
        produce_rates.append(p)
        consume_rates.append(c)
        print(f"run {run}: produce {p:.0f} msg/s ({p * args.size / 1e6:.1f} MB/s), "
              f"consume {c:.0f} msg/s ({c * args.size / 1e6:.1f} MB/s)")
    p = statistics.median(produce_rates)
    c = statistics.median(consume_rates)
    print(f"python median: produce {p:.0f} msg/s ({p * args.size / 1e6:.1f} MB/s), "
          f"consume {c:.0f} msg/s ({c * args.size / 1e6:.1f} MB/s)")


if __name__ == "__main__":
    main()
