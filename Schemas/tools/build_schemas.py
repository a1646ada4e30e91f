#!/usr/bin/env python3
"""Writes Schemas/events/*.schema.json from the one set of definitions below.

Each schema file is self-contained (consumers in other languages need no
resolver), so the shared parts are copied into every file's $defs; keeping
them in one place here keeps the copies identical.

    python3 Schemas/tools/build_schemas.py          # write the files
    python3 Schemas/tools/build_schemas.py --check  # exit 1 if a file differs
"""
import json
import sys
from pathlib import Path

BASE = "https://newsflash.dev/schemas/events/"
HERE = Path(__file__).resolve().parent.parent / "events"

# RFC 3339 in UTC, always with "Z" (Newsflash writes milliseconds: 2026-11-29T00:21:21.123Z).
DATE_TIME = {"type": "string", "format": "date-time", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z$"}
HTTP_URL = {"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 4096}
ITEM_ID = {"type": "string", "pattern": "^itm_[0-9a-f]{20}$"}
STORY_ID = {"type": "string", "pattern": "^sty_[0-9a-f]{20}$"}
DELIVERY_ID = {"type": "string", "pattern": "^dlv_[0-9a-f]{20}$"}


def d(schema, description):
    return {**schema, "description": description}


def obj(description, properties, required):
    return {
        "type": "object",
        "description": description,
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


DEFS = {
    "NewsItem": obj(
        "An ingested news item.",
        {
            "itemId": d(ITEM_ID, "Stable id: 'itm_' and the first 20 hex digits of SHA-256(sourceId U+001F guid)."),
            "sourceId": d({"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"}, "The configured source."),
            "sourceKind": d({"enum": ["rss", "atom", "jsonfeed", "html-ticker", "push"]}, "How the source delivers items."),
            "guid": d({"type": "string", "minLength": 1, "maxLength": 2048}, "The publisher's id of the item: guid/id, else the link, else the normalised title."),
            "title": d({"type": "string", "minLength": 1, "maxLength": 2048}, "Plain text."),
            "summary": d({"type": "string", "maxLength": 65536}, "Plain text; may be empty."),
            "url": d(HTTP_URL, "Absolute http(s) URL of the item."),
            "publishedAt": d(DATE_TIME, "When the publisher published it."),
            "updatedAt": d(DATE_TIME, "When the publisher last changed it."),
            "fetchedAt": d(DATE_TIME, "When ingest fetched it."),
            "language": d({"type": "string", "pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"}, "BCP 47 language tag."),
            "authors": d({"type": "array", "items": {"type": "string"}}, "Author names; may be empty."),
            "categories": d({"type": "array", "items": {"type": "string"}}, "The publisher's categories; may be empty. One the taxonomy lists as a topic's or region's section (\"Sport\", \"Business\", \"Africa\") files the item under it."),
            "imageUrl": d(HTTP_URL, "Absolute URL of the item's image or enclosure."),
            "storyId": d(STORY_ID, "Items about the same story share it."),
            "version": d({"type": "integer", "minimum": 1}, "1 for the first version; an edited item is the next version of the same story."),
            "hints": obj(
                "Default tags configured for the source.",
                {
                    "region": d({"type": "string", "minLength": 1}, "Default region."),
                    "topic": d({"type": "string", "minLength": 1}, "Default topic."),
                },
                [],
            ),
        },
        ["itemId", "sourceId", "sourceKind", "guid", "title", "summary", "fetchedAt", "authors", "categories", "storyId", "version"],
    ),
    "ScoredLabel": obj(
        "A tag with the classifier's confidence.",
        {
            "label": d({"type": "string", "minLength": 1}, "The region or topic."),
            "score": d({"type": "number", "minimum": 0, "maximum": 1}, "Confidence in 0..1."),
        },
        ["label", "score"],
    ),
    "ClassifiedItem": obj(
        "A news item with region, topic and urgency tags and why.",
        {
            "item": {"$ref": "#/$defs/NewsItem", "description": "The item as ingested."},
            "regions": d({"type": "array", "items": {"$ref": "#/$defs/ScoredLabel"}}, "Regions, highest score first."),
            "topics": d({"type": "array", "items": {"$ref": "#/$defs/ScoredLabel"}}, "Topics, highest score first."),
            "countries": d({"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}}, "ISO 3166-1 alpha-2 codes."),
            "places": d(
                {
                    "type": "array",
                    "items": obj(
                        "A place found in the text.",
                        {
                            "name": d({"type": "string", "minLength": 1}, "Canonical name."),
                            "countryCode": d({"type": "string", "pattern": "^[A-Z]{2}$"}, "ISO 3166-1 alpha-2 code of its country."),
                            "matchedText": d({"type": "string", "minLength": 1}, "The text as it stood in the item."),
                            "field": d({"enum": ["title", "summary"]}, "Where it stood."),
                        },
                        ["name", "matchedText", "field"],
                    ),
                },
                "Places matched in the text.",
            ),
            "urgency": d({"enum": ["routine", "urgent", "flash"]}, "How soon subscribers should hear of it."),
            "explanation": d(
                {
                    "type": "array",
                    "items": obj(
                        "One reason for one tag.",
                        {
                            "kind": d({"enum": ["region", "topic", "urgency", "country"]}, "Which kind of tag."),
                            "tag": d({"type": "string", "minLength": 1}, "The tag."),
                            "phrase": d({"type": "string"}, "The phrase that led to it."),
                            "field": d({"enum": ["title", "summary", "source"]}, "Where the phrase stood: source for what the item's source or publisher said (a hint, a section, the source kind)."),
                            "rule": d({"type": "string", "minLength": 1}, "The rule that fired, e.g. gazetteer, lexicon, model, cue:airstrike, section:category, section:url, domain:IE."),
                        },
                        ["kind", "tag", "phrase", "field", "rule"],
                    ),
                },
                "Which phrase in which field led to which tag.",
            ),
            "classifierVersion": d({"type": "string", "minLength": 1}, "Version of the classifier and its model."),
            "classifiedAt": d(DATE_TIME, "When it was classified."),
        },
        ["item", "regions", "topics", "countries", "places", "urgency", "explanation", "classifierVersion", "classifiedAt"],
    ),
    "DeliveryAttempt": obj(
        "One delivery attempt.",
        {
            "attempt": d({"type": "integer", "minimum": 1}, "1 for the first attempt."),
            "at": d(DATE_TIME, "When it was made."),
            "outcome": {"$ref": "#/$defs/DeliveryOutcome", "description": "What the attempt came to."},
            "statusCode": d({"type": "integer", "minimum": 100, "maximum": 999}, "HTTP status or SMTP reply code."),
            "error": d({"type": "string"}, "What went wrong."),
            "latencyMs": d({"type": "number", "minimum": 0}, "How long it took."),
        },
        ["attempt", "at", "outcome"],
    ),
    "DeliveryOutcome": d(
        {"enum": ["delivered", "retry", "failed", "dead-lettered", "disabled", "held"]},
        "delivered: accepted; retry: will be tried again; failed: failed for good; dead-lettered: retries exhausted, sent to alerts.dlq; disabled: endpoint or address disabled; held: waits for the subscriber's digest (digest mode, quiet hours or rate limit) at nextAttemptAt.",
    ),
    "DeliveryRequest": obj(
        "An alert to deliver to one subscription.",
        {
            "deliveryId": d(DELIVERY_ID, "Stable across retries and replays: 'dlv_' and 20 hex digits of SHA-256(subscriptionId U+001F storyId U+001F version)."),
            "subscriptionId": d({"type": "string", "minLength": 1}, "The subscription."),
            "channel": d({"enum": ["webhook", "email"]}, "How it is delivered."),
            "storyId": d(STORY_ID, "The story."),
            "version": d({"type": "integer", "minimum": 1}, "The item version the alert is about."),
            "isUpdate": d({"type": "boolean"}, "A new version of a story this subscription already got."),
            "isReplay": d({"type": "boolean"}, "Re-delivered by a rewind or replay."),
            "item": {"$ref": "#/$defs/ClassifiedItem", "description": "The classified item."},
            "match": obj(
                "Why the subscription got it.",
                {
                    "filter": d({"type": "string"}, "The subscription's filter as written."),
                    "matchedTerms": d({"type": "array", "items": {"type": "string"}}, "The filter terms that matched."),
                },
                ["filter", "matchedTerms"],
            ),
            "createdAt": d(DATE_TIME, "When the match stage created it."),
            "attempts": d({"type": "array", "items": {"$ref": "#/$defs/DeliveryAttempt"}}, "Attempts so far; empty on the first publish."),
            "notBefore": d(DATE_TIME, "When a retry is due."),
        },
        ["deliveryId", "subscriptionId", "channel", "storyId", "version", "isUpdate", "isReplay", "item", "match", "createdAt", "attempts"],
    ),
}


def uses(name, seen=None):
    """The $defs a definition needs, itself included."""
    seen = seen if seen is not None else set()
    if name in seen:
        return seen
    seen.add(name)
    text = json.dumps(DEFS[name])
    for other in DEFS:
        if f'"#/$defs/{other}"' in text:
            uses(other, seen)
    return seen


def envelope(event_type, file_stem, title, description, data_ref, id_description, id_pattern, extra_defs=()):
    needed = set()
    for name in [data_ref, *extra_defs]:
        if name in DEFS:
            needed |= uses(name)
    defs = {name: DEFS[name] for name in sorted(needed)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE + file_stem + ".schema.json",
        "title": title,
        "description": description,
        "type": "object",
        "additionalProperties": False,
        "required": ["eventType", "schemaVersion", "eventId", "occurredAt", "data"],
        "properties": {
            "eventType": {"const": event_type, "description": "The event type."},
            "schemaVersion": {"const": 1, "description": "The version of this schema."},
            "eventId": {"type": "string", "pattern": id_pattern, "description": id_description},
            "occurredAt": {**DATE_TIME, "description": "When the event was produced (RFC 3339, UTC, with Z)."},
            "data": {"$ref": f"#/$defs/{data_ref}", "description": "The payload."},
        },
        "$defs": defs,
    }


DEFS["DeliveryReceipt"] = obj(
    "The outcome of one delivery attempt.",
    {
        "deliveryId": d(DELIVERY_ID, "The delivery."),
        "subscriptionId": d({"type": "string", "minLength": 1}, "The subscription."),
        "storyId": d(STORY_ID, "The story."),
        "channel": d({"enum": ["webhook", "email"]}, "How it was delivered."),
        "version": d({"type": "integer", "minimum": 1}, "The item version."),
        "attempt": d({"type": "integer", "minimum": 1}, "1 for the first attempt."),
        "outcome": {"$ref": "#/$defs/DeliveryOutcome", "description": "What the attempt came to."},
        "statusCode": d({"type": "integer", "minimum": 100, "maximum": 999}, "HTTP status or SMTP reply code."),
        "error": d({"type": "string"}, "What went wrong."),
        "latencyMs": d({"type": "number", "minimum": 0}, "How long the attempt took."),
        "attemptedAt": d(DATE_TIME, "When it was made."),
        "nextAttemptAt": d(DATE_TIME, "When the next attempt is due (outcome retry, or held until the digest)."),
        "replayedAt": d(DATE_TIME, "For an attempt of a replay (a rewind or replayed stream): when the replay was made; its receipts' ids include it."),
    },
    ["deliveryId", "subscriptionId", "storyId", "channel", "version", "attempt", "outcome", "latencyMs", "attemptedAt"],
)

DEFS["DeadLetter"] = obj(
    "A message that could not be processed, with where it came from.",
    {
        "reason": d({"enum": ["poison", "retries-exhausted", "permanent-failure"]}, "poison: undecodable; retries-exhausted: every retry failed; permanent-failure: refused for good."),
        "error": d({"type": "string", "minLength": 1}, "What went wrong, for a person."),
        "originalTopic": d({"type": "string", "minLength": 1}, "Where the message was read."),
        "partition": d({"type": "integer", "minimum": 0}, "Its partition."),
        "offset": d({"type": "integer", "minimum": 0}, "Its offset."),
        "key": d({"type": "string"}, "The original key, as UTF-8 text or base64 (see keyEncoding)."),
        "keyEncoding": d({"enum": ["utf8", "base64"]}, "How key is written; absent means utf8."),
        "payload": d({"type": "string"}, "The original value, as UTF-8 text or base64 (see payloadEncoding)."),
        "payloadEncoding": d({"enum": ["utf8", "base64"]}, "How payload is written."),
        "delivery": {"$ref": "#/$defs/DeliveryRequest", "description": "The delivery, when the payload decoded as one."},
        "attempts": d({"type": "array", "items": {"$ref": "#/$defs/DeliveryAttempt"}}, "The attempt history."),
        "deadLetteredAt": d(DATE_TIME, "When it was dead-lettered."),
    },
    ["reason", "error", "originalTopic", "partition", "offset", "payload", "payloadEncoding", "attempts", "deadLetteredAt"],
)
DEFS["DeadLetter"]["dependentRequired"] = {"keyEncoding": ["key"]}

SCHEMAS = {
    "news-item.v1": envelope("news.item", "news-item.v1", "news.item v1",
                             "An ingested news item on news.raw, keyed by itemId.", "NewsItem",
                             "<itemId>#v<version>.", "^itm_[0-9a-f]{20}#v[1-9][0-9]*$"),
    "classified-item.v1": envelope("news.classified", "classified-item.v1", "news.classified v1",
                                   "A classified news item on news.classified, keyed by item id.", "ClassifiedItem",
                                   "<itemId>#v<version> of the item.", "^itm_[0-9a-f]{20}#v[1-9][0-9]*$"),
    "delivery-request.v1": envelope("alerts.delivery", "delivery-request.v1", "alerts.delivery v1",
                                    "An alert to deliver, on alerts.deliveries and alerts.retry.*, keyed by subscription id.",
                                    "DeliveryRequest", "<deliveryId>#<number of attempts so far>.",
                                    "^dlv_[0-9a-f]{20}#(0|[1-9][0-9]*)$"),
    "delivery-receipt.v1": envelope("alerts.receipt", "delivery-receipt.v1", "alerts.receipt v1",
                                    "The outcome of one delivery attempt, on alerts.receipts, keyed by subscription id.",
                                    "DeliveryReceipt",
                                    "<deliveryId>#a<attempt>; a replay's attempts: <deliveryId>#r<replayedAt, milliseconds since 1970>a<attempt>.",
                                    "^dlv_[0-9a-f]{20}#(r[0-9]+)?a[1-9][0-9]*$"),
    "dead-letter.v1": envelope("alerts.dead-letter", "dead-letter.v1", "alerts.dead-letter v1",
                               "A message that could not be processed, on alerts.dlq.", "DeadLetter",
                               "<originalTopic>/<partition>/<offset>.", "^[^/]+/(0|[1-9][0-9]*)/(0|[1-9][0-9]*)$"),
}


CI = DEFS["ClassifiedItem"]["properties"]
DEFS["WebhookAlert"] = obj(
    "One alert: the item, its tags and why this subscriber got it.",
    {
        "deliveryId": d(DELIVERY_ID, "Also the webhook-id header: the same across retries and replays."),
        "storyId": d(STORY_ID, "The story."),
        "version": d({"type": "integer", "minimum": 1}, "The item version."),
        "isUpdate": d({"type": "boolean"}, "A new version of a story this subscription already got."),
        "isReplay": d({"type": "boolean"}, "Sent again by a rewind or replay."),
        "item": {"$ref": "#/$defs/NewsItem", "description": "The item."},
        "regions": CI["regions"],
        "topics": CI["topics"],
        "countries": CI["countries"],
        "urgency": CI["urgency"],
        "why": obj(
            "Why this subscriber got it.",
            {
                "filter": d({"type": "string", "minLength": 1}, "The subscription's filter."),
                "matchedTerms": d({"type": "array", "items": {"type": "string"}}, "The filter terms the item matched."),
                "classifierVersion": CI["classifierVersion"],
                "explanation": CI["explanation"],
            },
            ["filter", "matchedTerms", "classifierVersion", "explanation"],
        ),
    },
    ["deliveryId", "storyId", "version", "isUpdate", "isReplay", "item", "regions", "topics", "countries", "urgency", "why"],
)

HTTP_SCHEMAS = {
    "webhook-alert.v1": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://newsflash.dev/schemas/http/webhook-alert.v1.schema.json",
        "title": "Newsflash webhook body v1",
        "description": "The JSON body POSTed to a webhook subscription, signed with the Standard Webhooks headers "
                       "webhook-id, webhook-timestamp and webhook-signature.",
        "type": "object",
        "additionalProperties": False,
        "required": ["type", "subscriptionId", "sentAt", "alerts"],
        "properties": {
            "type": d({"enum": ["alert", "digest"]}, "alert: one alert, sent at once; digest: every alert held for the subscriber's digest time."),
            "subscriptionId": d({"type": "string", "minLength": 1}, "The subscription."),
            "sentAt": d(DATE_TIME, "When this attempt was made."),
            "alerts": d({"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/WebhookAlert"}}, "The alerts, oldest first."),
        },
        "$defs": {name: DEFS[name] for name in sorted(uses("WebhookAlert"))},
    },
}


def render(schema):
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    HERE.mkdir(parents=True, exist_ok=True)
    outputs = [(HERE / f"{stem}.schema.json", schema) for stem, schema in SCHEMAS.items()]
    outputs += [(HERE.parent / "http" / f"{stem}.schema.json", schema) for stem, schema in HTTP_SCHEMAS.items()]
    for path, schema in outputs:
        text = render(schema)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if stale:
        print("out of date (run python3 Schemas/tools/build_schemas.py): " + ", ".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
