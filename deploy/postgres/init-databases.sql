-- One database per service, each owned by a role of the same name: a
-- service can neither read nor change another's data. Run once by the
-- postgres image on an empty data directory (docker-compose.yml mounts this
-- file into /docker-entrypoint-initdb.d). The passwords are for the local
-- full stack only; Kubernetes takes database URLs from Secrets (DEPLOY.md).
CREATE ROLE users LOGIN PASSWORD 'users';
CREATE DATABASE users OWNER users;
CREATE ROLE catalog LOGIN PASSWORD 'catalog';
CREATE DATABASE catalog OWNER catalog;
CREATE ROLE inventory LOGIN PASSWORD 'inventory';
CREATE DATABASE inventory OWNER inventory;
CREATE ROLE orders LOGIN PASSWORD 'orders';
CREATE DATABASE orders OWNER orders;
CREATE ROLE payments LOGIN PASSWORD 'payments';
CREATE DATABASE payments OWNER payments;
CREATE ROLE shipping LOGIN PASSWORD 'shipping';
CREATE DATABASE shipping OWNER shipping;
