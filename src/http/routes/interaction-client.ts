/** The portal an oidc-provider interaction is for (its `client_id`), or null when it names none. */
export function clientIdOf(interaction: { params: Record<string, unknown> }): string | null {
  const clientId = interaction.params.client_id;
  return typeof clientId === 'string' ? clientId : null;
}
