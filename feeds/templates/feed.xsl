<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an Atom or RSS feed of this site as a page when someone opens it in a browser.
     Feed readers ignore it. Every text is copied with value-of, so it is escaped, never markup. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
<xsl:output method="html" encoding="UTF-8" indent="no" doctype-system="about:legacy-compat"/>

<xsl:template match="/">
  <xsl:variable name="title" select="atom:feed/atom:title | rss/channel/title"/>
  <xsl:variable name="self" select="(atom:feed/atom:link[@rel='self'] | rss/channel/atom:link[@rel='self'])/@href"/>
  <xsl:variable name="home" select="atom:feed/atom:link[@rel='alternate']/@href | rss/channel/link"/>
  <html lang="{{ config.language }}">
  <head>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1"/>
    <title><xsl:value-of select="$title"/> (feed)</title>
    <style>
      :root { color-scheme: light dark; --fg: #1b1b1b; --bg: #fdfdfc; --muted: #595959; --accent: #0b57a4; --panel: #f1f3f5; --line: #d0d0d0; }
      @media (prefers-color-scheme: dark) { :root { --fg: #ececec; --bg: #151515; --muted: #b8b8b8; --accent: #8cc4ff; --panel: #202224; --line: #3a3a3a; } }
      body { margin: 0 auto; max-width: 48rem; padding: 1rem; font: 1.05rem/1.55 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
      a { color: var(--accent); }
      .about { background: var(--panel); border-radius: .5rem; padding: .6rem .9rem; }
      .about input { box-sizing: border-box; display: block; width: 100%; padding: .35rem .5rem; font: .9rem ui-monospace, monospace; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: .3rem; }
      ol { padding-left: 1.2rem; } li { margin: .8rem 0; }
      .muted { color: var(--muted); font-size: .92rem; }
    </style>
  </head>
  <body>
    <p class="about"><strong>This is a feed.</strong> Copy its address into a feed reader (NetNewsWire, Feedly, Miniflux, FreshRSS, newsboat…) and new items will come to you by themselves.
      <input type="text" readonly="readonly" value="{$self}" aria-label="Feed address"/>
      <a href="{$home}">Back to the site</a> for every feed and format.</p>
    <h1><xsl:value-of select="$title"/></h1>
    <p><xsl:value-of select="atom:feed/atom:subtitle | rss/channel/description"/></p>
    <ol class="entries">
      <xsl:apply-templates select="atom:feed/atom:entry | rss/channel/item"/>
    </ol>
  </body>
  </html>
</xsl:template>

<xsl:template match="atom:entry">
  <li><a class="entry" href="{atom:link[@rel='alternate' or not(@rel)]/@href}"><xsl:value-of select="atom:title"/></a>
    <br/><span class="muted"><xsl:value-of select="substring(atom:published, 1, 10)"/></span>
    <br/><xsl:value-of select="atom:summary"/></li>
</xsl:template>

<xsl:template match="item">
  <li><a class="entry" href="{link}"><xsl:value-of select="title"/></a>
    <br/><span class="muted"><xsl:value-of select="substring(pubDate, 6, 11)"/></span></li>
</xsl:template>
</xsl:stylesheet>
