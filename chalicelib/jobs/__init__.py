"""Event handlers (SQS, EventBridge): registered on the app in app.py, invoked by Lambda
in the cloud and by the local runner (devstack) on the local stack."""
