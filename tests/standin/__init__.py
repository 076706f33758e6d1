"""A local stand-in for the parts of the Stripe API that jdoffice uses, for tests."""
