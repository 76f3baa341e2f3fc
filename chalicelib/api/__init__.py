"""HTTP API: one Chalice blueprint per product module (``auth``, ``apps``, ``tasks``, ...), and
what they share: ``blueprint`` (routes whose errors render in our shape), ``errors`` (that
shape), ``request`` (reading bodies and paging parameters), ``callers`` (who is calling) and
``serializers`` (the wire shapes of store items). Only this package knows Chalice."""
