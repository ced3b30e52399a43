"""Running by itself: the nightly schedule, the landing-zone sensor and freshness.

| module | what |
|---|---|
| `fingerprints` | what a run of a period reads, and whether it changed since published |
| `schedules` | ``nightly_coverage``, 01:00 WITA |
| `sensors` | ``landing_sensor``: a new or changed landing file requests its period |
| `freshness` | the ``published_fresh`` check and the ``freshness_sensor`` that reports it |
| `plan` | several provinces: the phases of a period, and ``province_plan_sensor`` that runs them |

Writes are serialized by the run queue (dagster_home/dagster.yaml): at most one run of this
code location is in progress at a time, whoever launched it.
"""

from pipelines.automation.freshness import freshness_sensor, published_fresh
from pipelines.automation.plan import province_plan_sensor
from pipelines.automation.schedules import nightly_coverage
from pipelines.automation.sensors import landing_sensor

schedule_defs = [nightly_coverage]
sensor_defs = [landing_sensor, freshness_sensor]
check_defs = [published_fresh]
__all__ = ["check_defs", "province_plan_sensor", "schedule_defs", "sensor_defs"]
