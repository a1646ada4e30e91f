# Newsflash developer commands. Each target installs what it needs (Deploy/setup.sh).
.PHONY: demo test setup build release broker broker-stop smoke chaos chaos-quick bench-kafka bench-feeds bench-classifier bench-match bench-webhooks clean fuzz api-fuzz topic-model

SWIFT ?= swift
ENV = export LD_LIBRARY_PATH=$(CURDIR)/.local/lib$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH};

## demo: set up, build, and run `newsflash up`: every stage, the API, demo sources, a demo webhook
## receiver and an SMTP sink in one process (the broker on 127.0.0.1:9092 when one runs there,
## else a local one of its own). Ctrl-C stops it.
demo: setup build
	$(ENV) .build/debug/newsflash up --bootstrap 127.0.0.1:9092

## smoke: start the local broker on 127.0.0.1:9092, create the topics and run a produce/consume round trip
smoke: setup build broker
	$(ENV) .build/debug/newsflash topics init --bootstrap 127.0.0.1:9092
	$(ENV) .build/debug/newsflash smoke --bootstrap 127.0.0.1:9092

## test: unit and integration tests against a broker of their own
test:
	Deploy/test.sh

setup:
	Deploy/setup.sh

## fuzz: libFuzzer (-sanitize=fuzzer,address, release, .build-fuzz/) on the feed parser, the HTML ticker reader, the
##   filter language (tree vs match index), the event decoders (hand-written vs JSONDecoder) and the webhook body
##   round trip, FUZZ_SECONDS (default 60) each from the seeds of Tests/Fuzz/corpus.txt; crashes in var/fuzz/crashes/.
fuzz: setup
	$(ENV) Tests/Fuzz/fuzz.sh

## api-fuzz: Schemathesis from Schemas/openapi.yaml against a real `newsflash run api`, as an admin and a subscriber
##   key (Tests/Support/api_schema_check.py; the API's Kafka routes too when KAFKA_BOOTSTRAP names a broker).
api-fuzz: build
	$(ENV) .venv/bin/python Tests/Support/api_schema_check.py --newsflash .build/debug/newsflash --examples $${API_FUZZ_EXAMPLES:-100} \
		$${KAFKA_BOOTSTRAP:+--bootstrap $$KAFKA_BOOTSTRAP}

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

## chaos: the delivery guarantee under failure (Tests/Chaos/chaos.py --help): a release build, then every stage as its
##   own process against a broker and an SMTP sink of its own; 10,000 pushed items, 2,000 subscriptions (1,800 webhook
##   to a verifying receiver, 200 confirmed email); each stage SIGTERMed 3 times, SIGKILLed 3 times and (consumers)
##   rebalanced by a SIGKILLed second member, mid-stream; then no alert lost, repeats under their first webhook-id /
##   Message-ID, no consumer lag, every SIGTERM exit 0 within 60 s. About 10 minutes on 2 cores; CHAOS_ARGS adds flags.
##   The other runs of the same harness: CHAOS_ARGS=--failing-endpoints (30% 5xx, 10% timeouts, 5% 429; every alert
##   delivered or dead-lettered, healthy p99 within 2x a clean round), CHAOS_ARGS=--latency (1,000 items/s, push to
##   verified webhook beside the broker's own round trip), CHAOS_ARGS=--shutdown (`up` stopped by SIGTERM and SIGINT),
##   CHAOS_ARGS=--outage (classify against a broker behind a relay that cuts it off for 15 s, three times: under a
##   running process, during a SIGTERM, during a SIGKILL; every item arrives, the failed commits are reported);
##   CHAOS_ARGS="--broker-outages 2" adds to the full run two 15 s outages of the broker under every stage.
##   chaos-quick: classify alone, 400 items, 2 SIGTERMs + 2 SIGKILLs, under 2 minutes (uses KAFKA_BOOTSTRAP when set).
chaos: release
	$(ENV) .venv/bin/python Tests/Chaos/chaos.py --newsflash .build/release/newsflash $(CHAOS_ARGS)

chaos-quick: build
	$(ENV) .venv/bin/python Tests/Chaos/chaos.py --quick --newsflash .build/debug/newsflash $(CHAOS_ARGS)

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

## bench-webhooks: signed webhook deliveries per second to a verifying keep-alive receiver process, medians of 3
bench-webhooks: setup
	Tests/Benchmarks/webhooks/run.sh --runs 3

## bench-classifier: full classification vs flashtext's gazetteer lookup, taking turns for 5 rounds; ratio of the medians
bench-classifier: setup
	Tests/Benchmarks/classifier/run.sh

## topic-model: train the bundled topic model (Sources/Classifier/Resources/topic-model.json) from the devset (listed
##   twice: it is the one set in the style of the tickers Newsflash reads, so it weighs double) and the public
##   headline corpora in Sources/Classifier/Generator/corpus/ (their provenance and licences: that folder's README)
##   with the 720 sports, technology, business and arts headlines written here in the desks' style (desk-style.jsonl)
##   and the 7,625 headlines of six desks written from briefs (desk-briefs.jsonl), then half of Wikinews' titles of
##   2004-2015 with their topic categories (wikinews.jsonl, last; the other half is held out),
##   labels balanced, words and bigrams seen in fewer than 3 headlines left out, each taxonomy keyword also an example
##   of its topic, each feature scaled for each topic by its naive Bayes log-count ratio (0.15; folded into the
##   weights), trained 5 times in 5 orders (seeds) and the weights averaged. Deterministic: same data, same file.
topic-model: build
	$(ENV) .build/debug/newsflash classify train Tests/ClassifierTests/Fixtures/devset.jsonl \
	  Tests/ClassifierTests/Fixtures/devset.jsonl Sources/Classifier/Generator/corpus/huffpost.jsonl \
	  Sources/Classifier/Generator/corpus/uci-news.jsonl Sources/Classifier/Generator/corpus/desk-style.jsonl \
	  Sources/Classifier/Generator/corpus/current-events-sports.jsonl Sources/Classifier/Generator/corpus/masakhanews-eng.jsonl \
	  Sources/Classifier/Generator/corpus/desk-briefs.jsonl Sources/Classifier/Generator/corpus/wikinews.jsonl \
	  --balance --min-count 3 --lexicon-examples --naive-bayes-scale 0.15 --runs 5 --output Sources/Classifier/Resources/topic-model.json

## bench-match: the subscription matcher on one core, 1,000,000 generated subscriptions, medians of 3 runs;
##   goal (issue #5) >= 20,000 items/s under 2 GB peak RSS; also the fan-out and a linear scan. Filter mix (match-bench --help):
##   30% label-only: region:MENA; region AND topic; (region OR region) AND topic; country:LB [AND topic];
##       ... NOT source:example-wire; topic AND urgency>=urgent; topic:Sports alone (1.5%)
##   69% keywords ("air strike", earthquake, names; popular, words of the items, or rare names), alone,
##       with a region or country, NOT source:..., or AND urgency>=urgent
##    1% unindexed: NOT source:... alone, urgency>=flash alone, urgency>=urgent NOT topic:...
bench-match: setup
	Tests/Benchmarks/match/run.sh --runs 3

clean:
	rm -rf .build .build-fuzz var
