// Sends N identify+track+page calls through the official Segment Node SDK, changing only the host.
// Usage: node send.mjs HOST WRITE_KEY PREFIX COUNT
import { Analytics } from '@segment/analytics-node'

const [host, writeKey, prefix, countText] = process.argv.slice(2)
const count = Number(countText)
const analytics = new Analytics({ writeKey, host, maxEventsInBatch: 50, flushInterval: 200 })
let errors = 0
analytics.on('error', (err) => { errors += 1; console.error('sdk error', err?.code, err?.reason ?? err) })

for (let i = 0; i < count; i++) {
  const userId = `${prefix}-user-${i % 50}`
  const kind = i % 3
  if (kind === 0) analytics.identify({ userId, messageId: `${prefix}-${i}`, traits: { email: `${prefix}.${i % 50}@example.com` } })
  else if (kind === 1) analytics.track({ userId, messageId: `${prefix}-${i}`, event: 'Order Completed', properties: { total: i } })
  else analytics.page({ userId, messageId: `${prefix}-${i}`, name: 'Home' })
}
await analytics.closeAndFlush({ timeout: 60000 })
console.log(JSON.stringify({ sent: count, errors }))
process.exit(errors ? 1 : 0)
