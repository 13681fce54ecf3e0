"""The baseline: a bare FastAPI app that only validates the case body (no database, no broker)."""

from __future__ import annotations

from fastapi import FastAPI

from zg_intake.schemas import CaseCreate

app = FastAPI()


@app.post("/api/v1/cases", status_code=201)
async def create(body: CaseCreate) -> dict[str, str]:
    return {"status": "validated"}
