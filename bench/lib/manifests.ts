/** A YAML stream of v1 Services s<from>..s<to-1>, each selecting app=web on port 80 (the benches' bulk of Services). */
export function servicesYaml(from: number, to: number): string {
  const docs: string[] = []
  for (let i = from; i < to; i++) {
    docs.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: s${i}\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 80\n`)
  }
  return docs.join('---\n')
}
