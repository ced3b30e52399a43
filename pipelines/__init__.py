"""The code location and its wiring.

Every process that loads the code location imports this package first (`cakupan`, the
webserver, the daemon, code servers, run workers), so Dagster's Beta, Preview and
Supersession warnings are silenced here, by category: they are notes for the project's
developers (who use those features on purpose), not for the people running it. (Filtering
by module alone misses them: Dagster attributes its warnings to the caller.)
"""

import warnings

import dagster as dg

for _category in (dg.BetaWarning, dg.PreviewWarning, dg.SupersessionWarning):
    warnings.filterwarnings("ignore", category=_category)
# Warnings raised inside Dagster's own modules about Dagster's own code (e.g. its use of
# pydantic): nothing a user of cakupan can act on.
warnings.filterwarnings("ignore", module="dagster")
