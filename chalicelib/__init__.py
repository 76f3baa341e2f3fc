"""JMC: the code Chalice packages into every Lambda function."""
