"""The Celery app of `cakupan worker` (``celery -A pipelines.celery_app worker``).

Dagster's own ``dagster_celery.app`` reads its broker from a generated config module; this
one is built from the settings, as the code location's executor is
(pipelines/distributed.py), so the workers and the runs always meet on the same broker.
"""

from dagster_celery.executor import CeleryExecutor
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from pipelines.distributed import CELERY_SETTINGS, result_backend
from pipelines.resources import check_settings, setting

check_settings()
_broker = setting("CAKUPAN_BROKER_URL")
app = make_app(
    CeleryExecutor.for_cli(
        broker=_broker, backend=result_backend(_broker), config_source=CELERY_SETTINGS
    ).app_args()
)
execute_plan = create_task(app)
