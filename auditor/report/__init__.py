"""Report building, rendering and signing."""
