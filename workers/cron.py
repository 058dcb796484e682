"""The schedule for `rq cron` in production: the daily tick at 00:05 Tokyo time, and an
outbox sweep every five minutes (a dead worker's rows come back, whatever happens).

    TZ=Asia/Tokyo rq cron workers/cron.py --url "$REDIS_URL"

rq cron reads cron expressions in its process's local time: hence TZ. The jobs it
enqueues run in `flask worker` processes, with the app context.
"""

from rq import cron

from workers.sweep import sweep
from workers.tick import daily

cron.register(daily, "periodic", cron="5 0 * * *", job_timeout=3600, name="daily-tick")
cron.register(sweep, "emails", interval=300, job_timeout=1800, name="outbox-sweep")
