"""`POST /facilities/{wdid}/uploads`: a presigned S3 POST for one attachment, monitoring file or program facts
file (`services.upload_grants`), so a consultant uploads without AWS credentials; `GET` lists what became of them."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel

from permitclock.observability import logger
from permitclock.services.upload_grants import UploadEntry, UploadGrant, UploadRequest

from .dependencies import ApiDependencies
from .identity import caller


def router(dependencies: Callable[[], ApiDependencies]) -> Router:
    routes = Router()

    @routes.post("/facilities/<wdid>/uploads")
    def post_upload(wdid: str, body: UploadRequest) -> UploadGrant:
        grant = dependencies().uploads.grant(caller(routes), wdid, body)
        logger.info("upload granted", wdid=wdid, kind=body.kind)
        return grant

    @routes.get("/facilities/<wdid>/uploads")
    def list_uploads(wdid: str) -> UploadList:
        return UploadList(uploads=dependencies().uploads.recent(caller(routes), wdid))

    return routes


class UploadList(BaseModel):
    uploads: list[UploadEntry]
