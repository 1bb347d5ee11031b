"""Deliver signed reports to the provincial SOC: a durable outbox, transports, a receiver."""
