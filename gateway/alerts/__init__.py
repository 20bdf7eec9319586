"""Alerts: rules on an organization's figures, evaluated where the figures change, and their
delivery as signed webhooks through a transactional outbox."""
