from tests.sales.factories import mp  # noqa: F401
