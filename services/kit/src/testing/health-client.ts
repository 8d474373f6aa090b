import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

type HealthClient = Client & {
  check(request: { service: string }, options: { deadline: Date }, callback: (err: ServiceError | null, res?: { status: string }) => void): void;
};

const definition = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
  grpc: { health: { v1: { Health: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => HealthClient } } };
};

/** checkHealth asks a server's grpc.health.v1.Health for a service's status ("SERVING", "NOT_SERVING", ...). */
export function checkHealth(address: string, service = ''): Promise<string> {
  const client = new definition.grpc.health.v1.Health(address, credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.check({ service }, { deadline: new Date(Date.now() + 2_000) }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res!.status);
    }),
  );
}
