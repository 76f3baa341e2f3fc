"""JMC: the Chalice app. Registers the product modules' blueprints and event handlers;
holds no logic of its own."""
from chalice import Chalice

from chalicelib import tracing
from chalicelib.api import apps, auth, billing, docs, health, local, me, ops
from chalicelib.api.errors import error_middleware
from chalicelib.jobs import notifications

tracing.install()

app = Chalice(app_name="jmc")
app.register_middleware(error_middleware, "http")

for blueprint in (health.bp, auth.bp, me.bp, apps.bp, billing.bp, ops.bp, local.bp, docs.bp):
    app.register_blueprint(blueprint)
app.register_blueprint(notifications.bp)
