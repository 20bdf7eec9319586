"""The frontend's trusted documents, planned once at start-up and answered without graphql-core."""
