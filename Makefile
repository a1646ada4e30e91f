# Newsflash developer commands. Each target installs what it needs (Deploy/setup.sh).
.PHONY: demo test setup build release broker broker-stop topics smoke bench-kafka bench-feeds bench-classifier clean

SWIFT ?= swift
ENV = export LD_LIBRARY_PATH=$(CURDIR)/.local/lib$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH};

## demo: set up, build, start the local broker on 127.0.0.1:9092, create the topics and run a smoke round trip
demo: setup build broker
	$(ENV) .build/debug/newsflash topics init --bootstrap 127.0.0.1:9092
	$(ENV) .build/debug/newsflash smoke --bootstrap 127.0.0.1:9092
	@echo "The broker keeps running: 'make broker-stop' stops it; 'newsflash tail news.raw --from beginning' reads it."

## test: unit and integration tests against a broker of their own
test:
	Deploy/test.sh

setup:
	Deploy/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

broker: setup
	@Deploy/local-broker.sh status >/dev/null 2>&1 || Deploy/local-broker.sh start 9092

broker-stop:
	Deploy/local-broker.sh stop

## bench-kafka: Swift Kafka layer vs Python confluent-kafka, 200k x 200 B messages, medians of 5 runs
bench-kafka: setup
	Tests/Benchmarks/kafka/run.sh --runs 5

## bench-feeds: feed parsing vs Python feedparser on generated multi-MB feeds
bench-feeds: setup
	Tests/Benchmarks/feeds/run.sh --runs 5

## bench-classifier: full classification vs flashtext's gazetteer lookup
bench-classifier: setup
	Tests/Benchmarks/classifier/run.sh

clean:
	rm -rf .build var
