"""Prints, as one JSON array, what Python's email package reads from each .eml file given:
decoded headers, the text/plain and text/html parts, and whether the parse found defects.
The mail tests use it as an independent reader of what the Swift MIME builder wrote."""
import json
import sys
from email import policy
from email.parser import BytesParser

out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        raw = f.read()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    out.append({
        "headers": {k: str(v) for k, v in message.items()},
        "content_type": message.get_content_type(),
        "text": text.get_content() if text is not None else None,
        "html": html.get_content() if html is not None else None,
        "defects": [type(d).__name__ for part in message.walk() for d in part.defects],
        "max_line": max((len(line) for line in raw.split(b"\r\n")), default=0),
        "bare_lf": raw.replace(b"\r\n", b"").count(b"\n"),
    })
json.dump(out, sys.stdout)
