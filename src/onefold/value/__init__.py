"""Customer value: RFM summaries, BG/NBD, Pareto/NBD and Gamma-Gamma models, CLV net of returns.

Pure NumPy/SciPy: nothing here reads files or databases except ``build_step`` (the warehouse step).
"""

from onefold.value.bgnbd import BetaGeo
from onefold.value.clv import clv, periodic_rate
from onefold.value.gamma_gamma import GammaGamma
from onefold.value.mbgnbd import ModifiedBetaGeo
from onefold.value.pareto_nbd import ParetoNBD
from onefold.value.summary import RFMSummary, summarize

__all__ = ["BetaGeo", "GammaGamma", "ModifiedBetaGeo", "ParetoNBD", "RFMSummary", "clv", "periodic_rate", "summarize"]
