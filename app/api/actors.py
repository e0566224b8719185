"""/api/v1/actors"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from app.api import etags
from app.api.etags import IfMatch
from app.api.params import MAX_ID, IdPath, PageDep, paginate
from app.auth import require_admin
from app.db import SessionDep
from app.models import Actor, ActorKind
from app.schemas import ActorCreate, ActorRead, ActorUpdate, Page
from app.services import actors

router = APIRouter(prefix="/actors", tags=["actors"])


@router.get("", response_model=Page[ActorRead])
def list_actors(
    request: Request,
    response: Response,
    session: SessionDep,
    page: PageDep,
    kind: Annotated[list[ActorKind] | None, Query()] = None,
    parent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> dict:
    items, total = actors.list_page(
        session, kind=kind or [], parent_id=parent_id, limit=page.limit, offset=page.offset
    )
    return paginate(request, response, items, total, page)


@router.post(
    "",
    response_model=ActorRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_admin)],
)
def create_actor(data: ActorCreate, session: SessionDep, response: Response) -> object:
    actor = actors.create(session, data)
    session.commit()
    response.headers["Location"] = f"/api/v1/actors/{actor.id}"
    actor = actors.get(session, actor.id)
    response.headers["ETag"] = etags.actor_etag(actor)
    return actor


@router.get("/{actor_id}", response_model=ActorRead)
def get_actor(actor_id: IdPath, session: SessionDep, response: Response) -> object:
    actor = actors.get(session, actor_id)
    response.headers["ETag"] = etags.actor_etag(actor)
    return actor


@router.patch("/{actor_id}", response_model=ActorRead, dependencies=[Depends(require_admin)])
def update_actor(
    actor_id: IdPath,
    data: ActorUpdate,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    etags.lock(session, Actor.id, actor_id)
    actor = actors.get(session, actor_id)
    etags.check(if_match, etags.actor_etag(actor))
    actors.update(session, actor, data)
    session.commit()
    actor = actors.get(session, actor_id)
    response.headers["ETag"] = etags.actor_etag(actor)
    return actor


@router.delete(
    "/{actor_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Depends(require_admin)]
)
def delete_actor(
    actor_id: IdPath,
    session: SessionDep,
    cascade: Annotated[
        bool, Query(description="Unlink its recommendations and sub-actors.")
    ] = False,
    if_match: IfMatch = None,
) -> None:
    etags.lock(session, Actor.id, actor_id)
    actor = actors.get(session, actor_id)
    etags.check(if_match, etags.actor_etag(actor))
    actors.delete(session, actor, cascade=cascade)
    session.commit()
