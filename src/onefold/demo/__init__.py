"""The synthetic omnichannel retailer behind ``onefold demo generate``, with ground truth.

``generate(out_dir, customers=N, seed=S)`` writes the entity CSVs of docs/entities.md, a Segment
``events.jsonl`` and ``truth/`` files. Each step module documents its generating process.
"""

from onefold.demo.api import STEPS, GenerationSummary, generate

__all__ = ["STEPS", "GenerationSummary", "generate"]
