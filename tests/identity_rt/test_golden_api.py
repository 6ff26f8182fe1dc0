"""Golden records over the API on a real server: explain (a tree of edges with evidence), review
(reader key), unmerge and split (admin key) honoured by the next real `onefold build` — and the
real-time profile API follows the build's split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.conftest import run_cli, running_server
from tests.identity_rt.conftest import Api
from tests.identity_rt.test_one_id_space import HEADER


def _records(tree: dict[str, Any]) -> list[str]:
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        out.append(node["record"])
        stack.extend(node["children"])
    return sorted(out)


def test_explain_review_unmerge_and_split_over_the_api(tmp_path: Path) -> None:
    with running_server(tmp_path) as srv:
        api = Api(srv)
        admin = httpx.Client(base_url=srv.url, auth=(srv.keys["admin"], ""), timeout=60)
        build = ("build", "--workspace", str(srv.paths.root))
        try:
            assert api.get("/v1/identity/profiles/rt_1").status_code == 404  # no build yet
            customers = tmp_path / "customers.csv"
            customers.write_text(HEADER
                                 + "web,W1,Ada,Lovelace,ada@example.org,,1 Main St,London,N1,,GB,1985-12-10,,2023-01-05T09:30:00Z\n"
                                 + "pos,P1,Ada,Lovelace,ada@example.org,,,,,,GB,,,2022-03-01T10:00:00Z\n")
            run_cli("import", "customers", str(customers), "--workspace", str(srv.paths.root))
            api.send({"type": "identify", "userId": "W1", "anonymousId": "a-ada"})
            pid = api.profile("user_id:W1")["profile_id"]
            run_cli(*build)

            explained = api.get(f"/v1/identity/profiles/{pid}")
            assert explained.status_code == 200, explained.text
            body = explained.json()
            members = ["anonymous_id:events:a-ada", "customer:pos:P1", "customer:web:W1", "user_id:events:W1"]
            assert body["profile_id"] == pid and body["records"] == members
            assert _records(body["tree"]) == members  # every record is reached through a merged edge
            assert body["traits"]["last_name"] == "Lovelace"
            email = next(e for e in body["edges"] if e["rule"] == "same email")
            assert email["status"] == "merged" and email["evidence"]["email"] == "ada@example.org"

            review = api.get("/v1/identity/review", limit=10)
            assert review.status_code == 200 and isinstance(review.json()["pairs"], list)
            assert api.get("/v1/identity/review", limit=0).status_code == 400

            # Corrections need an admin key; the reader key is refused.
            assert api.reader.post(f"/v1/identity/edges/{email['edge_id']}/unmerge").status_code == 403
            undone = admin.post(f"/v1/identity/edges/{email['edge_id']}/unmerge")
            assert undone.status_code == 200 and undone.json()["apart"] == ["customer:pos:P1", "customer:web:W1"]
            assert admin.post("/v1/identity/edges/edge_nope/unmerge").status_code == 404
            run_cli(*build)
            after = api.get(f"/v1/identity/profiles/{pid}").json()
            assert "customer:pos:P1" not in after["records"] and "customer:web:W1" in after["records"]

            bad = admin.post(f"/v1/identity/profiles/{pid}/split", json={"records": ["customer:pos:nobody"]})
            assert bad.status_code == 400 and "nobody" in bad.text
            split = admin.post(f"/v1/identity/profiles/{pid}/split", json={"records": ["anonymous_id:events:a-ada"]})
            assert split.status_code == 200 and split.json()["constraints_added"] == 2
            run_cli(*build)
            kept = api.get(f"/v1/identity/profiles/{pid}").json()
            assert kept["records"] == ["customer:web:W1", "user_id:events:W1"]
            # The real-time API follows the build: the split-off anonymous id answers with its own profile.
            anon = api.profile("anonymous_id:a-ada")
            assert anon["profile_id"] != pid and anon["realtime_profile_id"] == pid
            assert api.get(f"/v1/identity/profiles/{anon['profile_id']}").json()["records"] == [
                "anonymous_id:events:a-ada"]
            assert api.profile("user_id:W1")["profile_id"] == pid
        finally:
            admin.close()
            api.close()
