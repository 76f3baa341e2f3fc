"""JMC: the Chalice app. Registers the product modules' blueprints and event handlers;
holds no logic of its own."""
from chalice import Chalice

from chalicelib import tracing
from chalicelib.api import (
    apps,
    auth,
    billing,
    blacklist,
    carrier_webhooks,
    docs,
    exports,
    health,
    local,
    me,
    messages,
    numbers,
    operators,
    ops,
    reports,
    sms,
    tasks,
    templates,
    uploads,
    voice,
    voice_webhooks,
    vonage_numbers,
    webhook,
)
from chalicelib.api.errors import error_middleware
from chalicelib.jobs import dispatch, notifications, webhooks
from chalicelib.jobs import exports as export_jobs
from chalicelib.jobs import numbers as number_jobs
from chalicelib.jobs import reports as report_jobs
from chalicelib.jobs import tasks as task_jobs
from chalicelib.jobs import uploads as upload_jobs
from chalicelib.jobs import voice as voice_jobs

tracing.install()

app = Chalice(app_name="jmc")
app.register_middleware(error_middleware, "http")
app.api.binary_types.extend(uploads.BINARY_TYPES)

for blueprint in (health.bp, auth.bp, me.bp, apps.bp, billing.bp, ops.bp, operators.bp, sms.bp, messages.bp,
                  carrier_webhooks.bp, webhook.bp, blacklist.bp, templates.bp, uploads.bp, tasks.bp, exports.bp,
                  reports.bp, numbers.bp, vonage_numbers.bp, voice.bp, voice_webhooks.bp, local.bp,
                  docs.bp):
    app.register_blueprint(blueprint)
for handlers in (notifications.bp, dispatch.bp, webhooks.bp, task_jobs.bp, upload_jobs.bp, export_jobs.bp,
                 report_jobs.bp, number_jobs.bp, voice_jobs.bp):
    app.register_blueprint(handlers)
