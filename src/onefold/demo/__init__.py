"""The synthetic omnichannel retailer behind ``onefold demo generate``, with ground truth.

``generate(out_dir, customers=N, seed=S)`` writes the entity CSVs of docs/entities.md, a Segment
``events.jsonl`` and ``truth/`` files, byte-identical for the same (N, S). ``N`` counts true persons.

The data covers 2023-01-01 to 2025-12-31 (snapshot 2026-01-01T00:00Z); a further 52 weeks are
simulated for the truth only. Each step module documents its generating process:
people.py (who), behaviour.py (how they buy and return: BG/NBD with Gamma rates and Beta dropout,
heterogeneous spend, serial returners), records.py and perturb.py (how systems see them: ~2
records per person, nicknames, typos, moves, changed emails/phones, shared family emails, junk),
orders.py, returns.py, tickets.py, emails.py, engagement.py, events.py, fade.py (engagement fades
once a buyer has silently dropped out: mail opens fall to 10 %, browsing visits and sessions to 5 %
after a 30-day tail, so churn shows in the data as it does at a real retailer), and truth.py (the
exact definitions of net value, serial returners and churn).
"""

from onefold.demo.api import STEPS, GenerationSummary, generate

__all__ = ["STEPS", "GenerationSummary", "generate"]
