"""The municipality's own assessment of each catalogue requirement: status, maturity, responsibility, evidence."""
