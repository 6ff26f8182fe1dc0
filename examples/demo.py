"""`make demo`: generate the demo retailer, import it, send its web/app events through the real
collection API, build the warehouse, and keep serving the API with the URLs printed.

Everything runs through the real `onefold` CLI and HTTP API, as a user would. Idempotent: a second
run reuses the generated files and keys (re-imports are upserts; re-sent events are deduplicated).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ENTITY_ORDER = [
    "customers", "products", "stores", "orders", "order_items", "returns",
    "tickets", "email_interactions", "store_visits", "consents", "inventory",
]


def onefold(*args: str, capture: bool = False) -> str:
    cmd = [sys.executable, "-m", "onefold", *args]
    if capture:
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    subprocess.run(cmd, check=True)
    return ""


def request(url: str, key: str, body: bytes | None = None) -> int:
    auth = base64.b64encode(f"{key}:".encode()).decode()
    req = urllib.request.Request(url, data=body, headers={"Authorization": f"Basic {auth}",
                                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return int(resp.status)


def wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit("onefold serve exited; see the messages above")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise SystemExit("onefold serve did not become healthy")


def send_events(base: str, key: str, events_file: Path) -> int:
    sent, batch, size = 0, [], 0
    with events_file.open("rb") as f:
        for line in f:
            if not line.strip():
                continue
            event = json.loads(line)
            # A backfill of history, not a live SDK: without sentAt the server keeps each event's own
            # timestamp instead of correcting it for clock skew against today's receivedAt.
            event.pop("sentAt", None)
            batch.append(event)
            size += len(line)
            if len(batch) == 100 or size > 400_000:
                request(f"{base}/v1/batch", key, json.dumps({"batch": batch}).encode())
                sent += len(batch)
                batch, size = [], 0
    if batch:
        request(f"{base}/v1/batch", key, json.dumps({"batch": batch}).encode())
        sent += len(batch)
    return sent


def main() -> None:
    demo_dir = Path(os.environ.get("DEMO_DIR", "demo-data")).resolve()
    workspace = Path(os.environ.get("ONEFOLD_HOME", demo_dir / "workspace")).resolve()
    customers = os.environ.get("DEMO_CUSTOMERS", "20000")
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    data = demo_dir / "retailer"
    ws = ["--workspace", str(workspace)]

    if not (data / "truth" / "meta.json").exists():
        onefold("demo", "generate", "--customers", customers, "--seed", "7", "--out", str(data))
    onefold("init", *ws)
    keys_file = demo_dir / "keys.json"
    if not keys_file.exists():
        keys = {role: onefold("keys", "create", *ws, "--role", role, "--name", f"demo {role}",
                              capture=True).strip().splitlines()[-1] for role in ("writer", "reader", "admin")}
        keys_file.write_text(json.dumps(keys, indent=2))
        keys_file.chmod(0o600)
    keys = json.loads(keys_file.read_text())

    for entity in ENTITY_ORDER:
        path = data / f"{entity}.csv"
        if path.exists():
            counts = json.loads(onefold("import", entity, str(path), *ws, "--json", capture=True))
            print(f"imported {entity:<20} read {counts['read']:>8}  loaded {counts['loaded']:>8}  "
                  f"quarantined {counts['quarantined']:>6}", flush=True)

    base = f"http://{host}:{port}"
    server = subprocess.Popen([sys.executable, "-m", "onefold", "serve", *ws, "--host", host, "--port", port])
    try:
        wait_healthy(base, server)
        if (data / "events.jsonl").exists():
            print(f"sent {send_events(base, keys['writer'], data / 'events.jsonl')} web/app events to {base}/v1/batch",
                  flush=True)
        onefold("build", *ws)
        print(f"""
onefold demo is running.
  API docs        {base}/docs
  Health          {base}/healthz
  Metrics         {base}/metrics
  Events          {base}/v1/events        (HTTP Basic: reader key as user, empty password)
  Keys            {keys_file}
  Query           .venv/bin/onefold sql --workspace {workspace} "SELECT * FROM customer_value LIMIT 10"
Press Ctrl+C to stop.""", flush=True)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
