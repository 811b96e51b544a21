// @nacre/db: Postgres access for the control plane.
