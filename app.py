"""JMC: the Chalice app. Registers the product modules' blueprints and event handlers;
holds no logic of its own."""
from chalice import Chalice

from chalicelib import tracing
from chalicelib.api import (apps, auth, billing, blacklist, carrier_webhooks, docs, health, local, me,
                            messages, ops, sms, templates, webhook)
from chalicelib.api.errors import error_middleware
from chalicelib.jobs import dispatch, notifications, webhooks

tracing.install()

app = Chalice(app_name="jmc")
app.register_middleware(error_middleware, "http")

for blueprint in (health.bp, auth.bp, me.bp, apps.bp, billing.bp, ops.bp, sms.bp, messages.bp,
                  carrier_webhooks.bp, webhook.bp, blacklist.bp, templates.bp, local.bp, docs.bp):
    app.register_blueprint(blueprint)
for handlers in (notifications.bp, dispatch.bp, webhooks.bp):
    app.register_blueprint(handlers)
