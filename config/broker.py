"""The embedded default's broker: kombu's filesystem transport, with atomic message files.

kombu's own `_put` creates `<ms>_<uuid>.<queue>.msg` and then writes into it, while a consumer
lists the folder, moves the file away and reads it without a lock: a consumer polling often
(20 ms, settings.CELERY_BROKER_TRANSPORT_OPTIONS) can take a file that is still empty, and the
worker dies on the JSON error. Here a message is written under a name no consumer matches
(a leading dot, a `.tmp` suffix) and renamed into place, which is atomic on one filesystem.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: dict, **kwargs: object) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.tmp")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
