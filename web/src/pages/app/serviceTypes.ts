// The service types the server accepts. No route lists them (the server
// keeps them in service_routes.cpp's kTypes and names them only in the
// refusal of another type), so they are repeated here; a type the server
// drops is refused beside the field like any bad value.
export const serviceTypes = [
  { value: "postgresql", label: "PostgreSQL" },
  { value: "mysql", label: "MySQL" },
  { value: "redis", label: "Redis" },
  { value: "mongodb", label: "MongoDB" },
  { value: "rabbitmq", label: "RabbitMQ" },
  { value: "chart", label: "Any Helm chart" },
];
