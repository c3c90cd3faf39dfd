<?xml version="1.0" encoding="UTF-8"?>
<!--
  syndicate's feed stylesheet: shows an RSS 2.0 or Atom 1.0 file of this site as a page a person
  can read, when a browser opens the feed. Every RSS and Atom file names it in an
  <?xml-stylesheet?> instruction; browsers apply it only when it is served from the feeds' own
  origin. XSLT 1.0, the version browsers implement, and no disable-output-escaping (Firefox
  ignores it): everything from the feed is written as text.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">

  <!-- about:legacy-compat: the doctype an XSLT 1.0 processor can write for an HTML5 page. -->
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <xsl:apply-templates select="rss/channel | atom:feed"/>
  </xsl:template>

  <xsl:template match="channel">
    <xsl:call-template name="page">
      <xsl:with-param name="title">
        <xsl:call-template name="rss-text"><xsl:with-param name="text" select="title"/></xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="description">
        <xsl:call-template name="rss-text"><xsl:with-param name="text" select="description"/></xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="language" select="language"/>
      <xsl:with-param name="home" select="link"/>
      <xsl:with-param name="self" select="atom:link[@rel = 'self']/@href"/>
      <xsl:with-param name="items" select="item"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="atom:feed">
    <xsl:call-template name="page">
      <xsl:with-param name="title" select="atom:title"/>
      <xsl:with-param name="description" select="atom:subtitle"/>
      <xsl:with-param name="language" select="@xml:lang"/>
      <xsl:with-param name="home" select="atom:link[not(@rel) or @rel = 'alternate'][1]/@href"/>
      <xsl:with-param name="self" select="atom:link[@rel = 'self']/@href"/>
      <xsl:with-param name="items" select="atom:entry"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="page">
    <xsl:param name="title"/>
    <xsl:param name="description"/>
    <xsl:param name="language"/>
    <xsl:param name="home"/>
    <xsl:param name="self"/>
    <xsl:param name="items"/>
    <html lang="{$language}">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (web feed)</title>
        <style>
          body { font: 1rem/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fafafa; }
          main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
          .about { background: #fff6d6; border: 1px solid #e8d48a; border-radius: 0.5rem; padding: 0.75rem 1rem; }
          .about code { word-break: break-all; }
          ol { list-style: none; padding: 0; }
          li { border-top: 1px solid #ddd; padding: 0.75rem 0; }
          h2 { font-size: 1.15rem; margin: 0; }
          time { color: #555; font-size: 0.9rem; }
        </style>
      </head>
      <body>
        <main>
          <p class="about">
            <strong>This is a web feed</strong> (RSS or Atom): a list of the latest stories that a
            feed reader checks for you. To subscribe, copy this page's address
            <xsl:if test="$self">(<code><xsl:value-of select="$self"/></code>)</xsl:if>
            into your feed reader or news app. This page is a preview of what the feed holds.
          </p>
          <h1><xsl:value-of select="$title"/></h1>
          <xsl:if test="string($description)"><p><xsl:value-of select="$description"/></p></xsl:if>
          <xsl:if test="$home"><p><a href="{$home}">Visit the website</a></p></xsl:if>
          <xsl:choose>
            <xsl:when test="$items">
              <ol><xsl:apply-templates select="$items"/></ol>
            </xsl:when>
            <xsl:otherwise><p>No stories in this feed yet.</p></xsl:otherwise>
          </xsl:choose>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <xsl:call-template name="item">
      <xsl:with-param name="title">
        <xsl:call-template name="rss-text"><xsl:with-param name="text" select="title"/></xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="link" select="link"/>
      <xsl:with-param name="date" select="pubDate"/>
      <xsl:with-param name="summary">
        <xsl:call-template name="rss-text"><xsl:with-param name="text" select="description"/></xsl:call-template>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="atom:entry">
    <xsl:call-template name="item">
      <xsl:with-param name="title" select="atom:title"/>
      <!-- RFC 4287 4.2.7.2: a link without rel is the alternate one. -->
      <xsl:with-param name="link" select="atom:link[not(@rel) or @rel = 'alternate'][1]/@href"/>
      <xsl:with-param name="date" select="atom:published | atom:updated[not(../atom:published)]"/>
      <xsl:with-param name="summary" select="atom:summary"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="item">
    <xsl:param name="title"/>
    <xsl:param name="link"/>
    <xsl:param name="date"/>
    <xsl:param name="summary"/>
    <li>
      <article>
        <h2>
          <xsl:choose>
            <xsl:when test="string($link)"><a href="{$link}"><xsl:value-of select="$title"/></a></xsl:when>
            <xsl:otherwise><xsl:value-of select="$title"/></xsl:otherwise>
          </xsl:choose>
        </h2>
        <xsl:if test="string($date)"><time><xsl:value-of select="$date"/></time></xsl:if>
        <xsl:if test="string($summary)"><p><xsl:value-of select="$summary"/></p></xsl:if>
      </article>
    </li>
  </xsl:template>

  <!-- RSS readers take text for HTML, so syndicate escapes once more the RSS text a reader would
       decode (the item description always): '&', '<' and '>' as '&amp;', '&lt;' and '&gt;'.
       Decoding those three, '&amp;' last, gives back the text as written. -->
  <xsl:template name="rss-text">
    <xsl:param name="text"/>
    <xsl:variable name="lt">
      <xsl:call-template name="replace">
        <xsl:with-param name="text" select="string($text)"/>
        <xsl:with-param name="from" select="'&amp;lt;'"/>
        <xsl:with-param name="to" select="'&lt;'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="gt">
      <xsl:call-template name="replace">
        <xsl:with-param name="text" select="string($lt)"/>
        <xsl:with-param name="from" select="'&amp;gt;'"/>
        <xsl:with-param name="to" select="'&gt;'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:call-template name="replace">
      <xsl:with-param name="text" select="string($gt)"/>
      <xsl:with-param name="from" select="'&amp;amp;'"/>
      <xsl:with-param name="to" select="'&amp;'"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="replace">
    <xsl:param name="text"/>
    <xsl:param name="from"/>
    <xsl:param name="to"/>
    <xsl:choose>
      <xsl:when test="contains($text, $from)">
        <xsl:value-of select="substring-before($text, $from)"/>
        <xsl:value-of select="$to"/>
        <xsl:call-template name="replace">
          <xsl:with-param name="text" select="substring-after($text, $from)"/>
          <xsl:with-param name="from" select="$from"/>
          <xsl:with-param name="to" select="$to"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
