"""/api/v1/actors"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.api.params import MAX_ID, IdPath, PageDep, paginate
from app.db import SessionDep
from app.models import ActorKind
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


@router.post("", response_model=ActorRead, status_code=status.HTTP_201_CREATED)
def create_actor(data: ActorCreate, session: SessionDep, response: Response) -> object:
    actor = actors.create(session, data)
    session.commit()
    response.headers["Location"] = f"/api/v1/actors/{actor.id}"
    return actors.get(session, actor.id)


@router.get("/{actor_id}", response_model=ActorRead)
def get_actor(actor_id: IdPath, session: SessionDep) -> object:
    return actors.get(session, actor_id)


@router.patch("/{actor_id}", response_model=ActorRead)
def update_actor(actor_id: IdPath, data: ActorUpdate, session: SessionDep) -> object:
    actors.update(session, actors.get(session, actor_id), data)
    session.commit()
    return actors.get(session, actor_id)


@router.delete("/{actor_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_actor(
    actor_id: IdPath,
    session: SessionDep,
    cascade: Annotated[
        bool, Query(description="Unlink its recommendations and sub-actors.")
    ] = False,
) -> None:
    actors.delete(session, actors.get(session, actor_id), cascade=cascade)
    session.commit()
