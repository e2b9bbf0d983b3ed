"""`python -m lockstep_fastapi`: the production server (uvicorn), configured by the environment."""

from lockstep_contract.runners.uvicorn import run


def main() -> None:
    run("lockstep_fastapi.app:create_app", implementation="fastapi")


if __name__ == "__main__":
    main()
