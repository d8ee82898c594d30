// A horizontal bar chart as plain SVG: one bar per tool and case, the median wall time, with a
// tick at the fastest run and ours/peer after each peer. Ours is blue, the peers grey.

const WIDTH = 860
const LABEL = 200 // px for "case  tool"
const ROW = 22
const GAP = 10 // px between cases
const TOP = 34

const esc = s => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;')

export function chartSvg(cases) {
  const max = Math.max(...cases.flatMap(c => c.tools.map(t => t.median.wallSec)))
  const scale = (WIDTH - LABEL - 150) / max
  const parts = []
  let y = TOP
  for (const c of cases) {
    c.tools.forEach((t, i) => {
      const w = Math.max(1, t.median.wallSec * scale)
      const fill = t.tool === 'ours' ? '#2b6cb0' : '#a0aec0'
      const ratio = c.ratios.find(r => r.peer === t.tool)
      const value = `${t.median.wallSec.toFixed(2)} s${ratio ? ` (ours ${ratio.wallMedian.toFixed(2)}x)` : ''}`
      if (i === 0) parts.push(`<text x="8" y="${y + 15}" font-weight="bold">${esc(c.case)}</text>`)
      parts.push(
        `<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end">${esc(t.tool)}</text>`,
        `<rect x="${LABEL}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}" fill="${fill}"/>`,
        `<line x1="${(LABEL + t.min.wallSec * scale).toFixed(1)}" x2="${(LABEL + t.min.wallSec * scale).toFixed(1)}" y1="${y + 1}" y2="${y + ROW - 1}" stroke="#1a202c"/>`,
        `<text x="${(LABEL + w + 6).toFixed(1)}" y="${y + 15}">${esc(value)}</text>`,
      )
      y += ROW
    })
    y += GAP
  }
  const height = y + 8
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="20" font-size="14">Wall time, median of runs (tick: fastest run); blue: bootc-live-unpack, grey: the peers</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
