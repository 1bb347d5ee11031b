"""The reference receiver a province runs to collect signed reports from its communes."""
