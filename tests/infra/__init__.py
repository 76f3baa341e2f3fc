"""Infrastructure: the template, the local provisioner and the Chalice packaging agree with chalicelib/config.py."""
