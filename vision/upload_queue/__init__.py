"""Uploads scored in the background on a clinic server: the inbox folder (``inbox``), the scoring of one upload
(``scoring``) and the job queue on the clinic's PostgreSQL that carries them to worker processes (``jobs``).

The local app (no identity provider) does not use this package: it scores an upload in the page as before.
"""

from vision.upload_queue.inbox import Inbox, State, Upload, UploadRequest, UploadStatus, default_inbox

__all__ = ["Inbox", "State", "Upload", "UploadRequest", "UploadStatus", "default_inbox"]
