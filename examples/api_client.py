"""Pull a fieldwork's responses from peiling's data API, incrementally: the first run fetches
everything, each later run what changed since (kept in a small state file). Standard library
only, so that it runs wherever Python 3.11 does.

    PEILING_TOKEN=pei_... python examples/api_client.py https://peiling.example.nl \\
        digitalisering-2026 --out antwoorden.jsonl --state pull-state.json

Each line of ``--out`` is one response (key, status, source, times, answers by question
name); a response that changed comes again with its new answers, so keep the last line per
key.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def get(base_url: str, token: str, path: str, **params: Any) -> Any:
    """One call of the API; its JSON. A problem (4xx) raises with its title and detail."""
    if not base_url.startswith(("https://", "http://")):
        raise SystemExit(f"{base_url}: the site's address starts with https://")
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        f"{base_url.rstrip('/')}/api/v1{path}?{query}",
        headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as error:
        problem = json.load(error)
        raise SystemExit(f"{problem['title']}: {problem.get('detail', '')} "
                         f"({problem['code']})") from None


def pull(base_url: str, token: str, fieldwork: str, since: str | None = None,
         page_size: int = 1000) -> Iterator[dict[str, Any]]:
    """Yield every response of ``fieldwork`` changed after ``since`` (all without), page by
    page in the order they changed."""
    cursor = None
    while True:
        page = get(base_url, token, f"/fieldworks/{fieldwork}/responses", limit=page_size,
                   updated_since=since, cursor=cursor)
        yield from page["results"]
        cursor = page["next_cursor"]
        if cursor is None:
            return


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the peiling site, e.g. https://peiling.example.nl")
    parser.add_argument("fieldwork", help="the fieldwork's short name")
    parser.add_argument("--out", type=Path, required=True, help="JSON lines to append to")
    parser.add_argument("--state", type=Path, required=True, help="where the last pull is kept")
    args = parser.parse_args(argv)
    token = os.environ.get("PEILING_TOKEN", "")
    if not token:
        print("set PEILING_TOKEN to a token made in peiling (Organisatie > API-sleutels)",
              file=sys.stderr)
        return 2
    state = json.loads(args.state.read_text()) if args.state.exists() else {}
    newest, count = state.get("updated_since"), 0
    with args.out.open("a", encoding="utf-8") as out:
        for response in pull(args.url, token, args.fieldwork, since=newest):
            out.write(json.dumps(response, ensure_ascii=False) + "\n")
            newest, count = response["updated_at"], count + 1
    args.state.write_text(json.dumps({"updated_since": newest}))
    print(f"{count} responses pulled; next run asks for changes after {newest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
