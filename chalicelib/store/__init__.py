"""PynamoDB models and the queries the services need. Table names come from config."""
