"""The supplier register: suppliers, what they deliver, their contracts, agreements and reviews."""
