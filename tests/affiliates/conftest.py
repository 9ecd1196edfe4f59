from tests.api.conftest import bot, other_bot  # noqa: F401
from tests.sales.factories import mp  # noqa: F401
